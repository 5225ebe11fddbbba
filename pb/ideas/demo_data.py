"""Material for the demo: places of Grenoble's sectors, and ideas residents really propose."""

from __future__ import annotations

# Per district code: (words after the title, address).
PLACES = {
    "secteur-1": [("au parc Bachelard", "Parc Bachelard"), ("place Saint-Bruno", "Place Saint-Bruno"),
                  ("sur le cours Berriat", "Cours Berriat"), ("rue Nicolas Chorier", "Rue Nicolas Chorier"),
                  ("à l'esplanade Alain Le Ray", "Esplanade Alain Le Ray"), ("au jardin de la Caserne de Bonne",
                                                                          "Jardin de la Caserne de Bonne")],
    "secteur-2": [("au Jardin de Ville", "Jardin de Ville"), ("place Notre-Dame", "Place Notre-Dame"),
                  ("rue Championnet", "Rue Championnet"), ("place Grenette", "Place Grenette"),
                  ("quai Stéphane Jay", "Quai Stéphane Jay"), ("au jardin des Dauphins", "Jardin des Dauphins")],
    "secteur-3": [("au parc des Eaux-Claires", "Parc des Eaux-Claires"), ("avenue Rhin-et-Danube",
                                                                        "Avenue Rhin-et-Danube"),
                  ("au square du Mistral", "Square du Mistral"), ("rue Anatole France", "Rue Anatole France"),
                  ("cours Jean Jaurès", "Cours Jean Jaurès"), ("au parc Bajatière", "Parc Bajatière")],
    "secteur-4": [("au parc Flaubert", "Parc Flaubert"), ("rue Ponsard", "Rue Ponsard"),
                  ("place de la Capuche", "Place de la Capuche"), ("rue de Stalingrad", "Rue de Stalingrad"),
                  ("avenue Jean Perrot", "Avenue Jean Perrot"), ("au square Jean Macé", "Square Jean Macé")],
    "secteur-5": [("au jardin de l'Abbaye", "Jardin de l'Abbaye"), ("rue Malherbe", "Rue Malherbe"),
                  ("avenue Teisseire", "Avenue Teisseire"), ("rue Léon Jouhaux", "Rue Léon Jouhaux"),
                  ("place de l'Abbaye", "Place de l'Abbaye"), ("au parc Bachelard-Sud", "Parc Bachelard")],
    "secteur-6": [("au parc Jean Verlhac", "Parc Jean Verlhac"), ("au lac de la Villeneuve", "Lac de la Villeneuve"),
                  ("place du Marché du Village Olympique", "Place du Marché, Village Olympique"),
                  ("avenue Marie Reynoard", "Avenue Marie Reynoard"), ("rue Vigny-Musset", "Rue Vigny-Musset"),
                  ("galerie de l'Arlequin", "Galerie de l'Arlequin")],
    "ville": [("sur les berges de l'Isère", "Berges de l'Isère"), ("dans les écoles de la ville", ""),
              ("dans les bibliothèques municipales", ""), ("dans les parcs de la ville", ""),
              ("aux arrêts de tram", ""), ("sur les places de marché", "")],
}
COORDS = {"secteur-1": (45.1878, 5.7105), "secteur-2": (45.1920, 5.7290), "secteur-3": (45.1760, 5.7150),
          "secteur-4": (45.1790, 5.7380), "secteur-5": (45.1710, 5.7420), "secteur-6": (45.1580, 5.7340)}

# (title start, description, theme, cost in euros)
FEASIBLE = [
    ("Des arbres fruitiers", "Planter une dizaine de pommiers, poiriers et pruniers en libre cueillette, avec un "
     "panneau qui explique comment les entretenir et une fête de la récolte chaque automne.", "nature", 25_000),
    ("Un composteur partagé", "Installer un composteur collectif de trois bacs, suivi par des habitants référents "
     "formés par la Métropole, pour réduire les déchets de cuisine de tout l'îlot.", "proprete", 6_000),
    ("Des arceaux vélos couverts", "Poser une vingtaine d'arceaux abrités pour garer les vélos à l'abri de la pluie, "
     "près des commerces et de l'arrêt de tram.", "mobilite", 18_000),
    ("Une boîte à livres", "Une armoire en bois, étanche, où chacun dépose et emprunte des livres librement. Les "
     "enfants de l'école voisine proposent de la décorer.", "culture", 3_000),
    ("Des bancs et de l'ombre", "Ajouter des bancs avec dossier et accoudoirs, et planter des arbres pour créer de "
     "l'ombre : les personnes âgées pourraient enfin s'y reposer l'été.", "cadre-de-vie", 22_000),
    ("Un terrain de street workout", "Des barres de traction, des barres parallèles et des espaliers en accès libre, "
     "avec un sol souple, pour faire du sport dehors gratuitement.", "sport", 45_000),
    ("Une fontaine à eau potable", "Une fontaine accessible aux personnes en fauteuil, avec un robinet pour les "
     "gourdes et une gamelle pour les chiens : indispensable pendant les canicules.", "sante", 15_000),
    ("Un jardin partagé", "Transformer une pelouse peu utilisée en potager collectif avec des bacs surélevés "
     "accessibles, un récupérateur d'eau de pluie et un cabanon à outils.", "nature", 30_000),
    ("Une fresque participative", "Une fresque peinte par les habitants avec un collectif d'artistes grenoblois, "
     "sur le mur aveugle aujourd'hui couvert de tags.", "culture", 20_000),
    ("Une aire de jeux inclusive", "Des jeux utilisables par tous les enfants, y compris en situation de handicap : "
     "balançoire nid, tourniquet au ras du sol, panneaux sensoriels.", "education", 80_000),
    ("Des nichoirs et un hôtel à insectes", "Installer des nichoirs pour les mésanges et les martinets et un grand "
     "hôtel à insectes, avec la LPO et les classes du quartier.", "nature", 4_000),
    ("Une station de réparation vélo", "Un poteau avec les outils attachés et une pompe, pour réparer soi-même une "
     "crevaison ou régler ses freins, à toute heure.", "mobilite", 9_000),
    ("Une table de ping-pong", "Une table en béton, résistante, et un petit espace autour pour jouer entre voisins, "
     "jeunes et moins jeunes.", "sport", 7_000),
    ("Des bacs à fleurs partagés", "Des jardinières en bois entretenues par les riverains, avec des plantes "
     "mellifères et peu gourmandes en eau.", "nature", 5_000),
    ("Sécuriser la traversée", "Un plateau surélevé et un éclairage renforcé du passage piéton emprunté chaque matin "
     "par les enfants qui vont à l'école.", "mobilite", 40_000),
    ("Une boîte à dons solidaire", "Un meuble abrité pour déposer vêtements, jouets et petits objets en bon état, "
     "entretenu avec le centre social.", "solidarite", 4_000),
    ("Un parcours santé", "Dix agrès le long d'un parcours balisé de deux kilomètres, avec des panneaux d'exercices "
     "adaptés à tous les âges.", "sport", 50_000),
    ("Une borne de wifi public", "Un accès gratuit à internet pour les habitants qui n'en ont pas chez eux, et pour "
     "faire ses démarches en ligne près de l'antenne de mairie.", "numerique", 12_000),
]
NOT_ADMISSIBLE = [
    ("Embaucher un animateur de rue", "Recruter une personne à plein temps pour animer le quartier le soir.",
     "solidarite", 40_000, "Le budget participatif finance des investissements, pas des salaires ni des frais de "
     "fonctionnement."),
    ("Refaire la route départementale", "La route est pleine de nids-de-poule, il faut la refaire entièrement.",
     "mobilite", 300_000, "Cette voie relève du Département de l'Isère, pas de la Ville : nous lui avons transmis "
     "votre demande."),
    ("Rénover la cour de notre copropriété", "Refaire le sol et les bancs de la cour intérieure de notre immeuble.",
     "cadre-de-vie", 30_000, "La cour est un terrain privé : le budget participatif finance des projets sur l'espace "
     "public."),
    ("Baisser les impôts locaux", "Plutôt que de dépenser, rendre l'argent aux habitants.", "solidarite", 0,
     "La fiscalité n'est pas un projet d'investissement : elle se décide au conseil municipal."),
]
INFEASIBLE = [
    ("Une piscine flottante", "Une piscine naturelle installée sur la rivière pour se baigner l'été.", "sport",
     120_000, "L'étude des services montre que la baignade y est interdite (courant, qualité de l'eau) et que le coût "
     "réel dépasserait largement le plafond par projet."),
    ("Un parking souterrain", "Creuser un parking sous la place pour libérer la surface.", "mobilite", 150_000,
     "Un parking souterrain coûterait plus de 8 millions d'euros, bien au-delà du plafond par projet."),
    ("Un téléphérique vers la Bastille", "Une nouvelle ligne de téléphérique depuis le quartier.", "mobilite", 900_000,
     "Les services estiment le coût à plus de 20 millions d'euros et le projet relève du SMMAG, pas de la Ville."),
]
HOLDERS = ["Josette Girard", "Karim Haddad", "Marie-Claude Fabre", "Yanis Boukhari", "Élodie Perrin", "Thomas Roux",
           "Fatou Diallo", "Jean-Pierre Blanc", "Nathalie Chevalier", "Léo Morel", "Amina Mansouri", "Hugo Lambert",
           "Collectif Vélo Berriat", "Association des habitants de l'Abbaye", "Conseil d'école Jean Macé",
           "Les jardiniers du Mistral"]
COMMENTS = [
    "Très bonne idée, je soutiens !", "Et pourquoi pas aussi un point d'eau à côté ?",
    "Attention au bruit le soir pour les riverains.", "Mes enfants seraient ravis.",
    "Il faudrait prévoir l'entretien dans la durée.", "Bravo, c'est exactement ce qui manque au quartier.",
    "Je préférerais que ce soit un peu plus loin de l'école.", "On pourrait associer le centre social.",
]
REPLIES = ["Bonne remarque, on en tiendra compte.", "Tout à fait d'accord.", "Le projet prévoit justement cela."]
COUNCIL_MEMBERS = [
    "Jeanne Dupont, co-présidente", "Ahmed Benali, co-président", "Lucie Martin, secrétaire", "Bernard Faure",
    "Sandrine Cohen", "Mehdi Khelifi",
]
